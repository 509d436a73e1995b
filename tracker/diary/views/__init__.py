"""The diary's pages: one module per page family."""
