"""One module per page (or pair of pages), each with its own ``APIRouter``."""
