"""Drawing: themes (colours, strokes), where planes go (layout) and the matplotlib renderer."""
