"""``python -m convanim`` and the ``convanim`` command."""

import gc


def main() -> None:
    from .cli import main as cli_main

    # A command runs once and exits: the objects of its imports (matplotlib's above all) live
    # as long as the process. Frozen, no collection walks them again, in this process or in
    # the workers it forks, and none at exit: about a tenth of a cold `convanim gallery`.
    gc.freeze()
    cli_main()


if __name__ == "__main__":
    main()
