"""The model of the computation: errors, geometry, sweeps and their values. Nothing here draws."""
