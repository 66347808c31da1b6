"""Import and export of the archive (domain §2, Excel); import them from here.

- service: the import: check the workbook, stage its rows (the preview), write them (the confirm)
- customer_rows, child_rows: each kind's rows decided by the form services' rules, then written
- workbook: reading an upload, streamed and bounded
- export: the xlsx export of the visible customers (through customers.resources)
"""

from .export import export_xlsx
from .service import (
    KINDS,
    ImportReport,
    RowReport,
    StagedImport,
    import_commit,
    import_ensure_allowed,
    import_file_check,
    import_report,
    import_stage,
    import_stage_rows,
    kind_choices,
)

__all__ = [
    "KINDS",
    "ImportReport",
    "RowReport",
    "StagedImport",
    "export_xlsx",
    "import_commit",
    "import_ensure_allowed",
    "import_file_check",
    "import_report",
    "import_stage",
    "import_stage_rows",
    "kind_choices",
]
