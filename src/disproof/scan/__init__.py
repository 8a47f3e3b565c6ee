"""Bulk scanning on Dask: many posts against the cases (``disproof scan``, docs/scanning.md).

- ``sources``, ``readers``, ``telegram``, ``html``: inputs streamed as items and bad rows
- ``bundle``: the matcher's saved form, written by the client and loaded once per worker
- ``worker``: the worker plugin and the task (imports ``distributed``)
- ``run``: partitions, the cluster (local or remote), submission with back-pressure
- ``output``: Parquet parts, the manifest of finished partitions
- ``summary``, ``report``: ``scan-summary.json``, ``.md`` and ``.html``

Nothing here is imported by ``disproof --help``; Dask is imported only when a scan runs.
"""
