"""The editorial side: who may do what (permissions), and the admin site that
asks it for every view, its own and those packages add."""
