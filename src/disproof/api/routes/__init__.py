"""The ``/api/v1`` routes, one module per concept; each calls the service and nothing else."""
