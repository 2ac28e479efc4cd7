"""exportplan: build and run a data-driven regional export plan."""
__version__ = "0.1.0"
