"""The Excel 台账 (rectification ledger) round trip, in four parts:

- `layout`: the columns, their limits and labels (one definition for the export, the template and the import);
- `export`: the writers (ledger, template, refused rows), all through chuxin.core.xlsx.SafeWorkbook;
- `read`: bounded reading and finding the header on any sheet;
- `plan`: the dry run — every row checked, every changed cell listed, nothing written;
- `jobs`: uploads, their retention and quota, and the worker's task.

The one entry point that writes is `chuxin.problems.actions.do_import_ledger`.

Import rules (documented for the offices):
- The header row is found within the first 20 rows of any sheet (the row holding 问题描述 and 整改措施); the
  result says which sheet was used. Merged cells take the value of their merge's first cell.
- Units resolve by 单位代码 (or by 单位名称 when the code is empty) within the subtree of the unit whose import
  page is used, and the importer must be allowed to record there; anything else is "unknown unit".
- People (责任领导, 责任人) resolve by name among active people whose home unit is the row's unit, else one of
  its ancestors (the nearest wins), else a unit inside its subtree. Two people of the same name at the same
  nearest place is "ambiguous"; on an existing item the name it already shows always keeps the same person.
- 序号, 整改进展, 完成情况 and 销号情况 are read-only: progress and status change through the item's workflow.
- Fix-by-deadline rows use the measures as the requirements (the ledger has no separate column). A new
  long-term row takes its stage goals from 阶段目标 / 阶段时限 (one per line), else one stage (its measures)
  with 整改时限 as the target date. Stage goals of an existing item change on its page.
- 服务中心工作 (the problem's central tasks, M13): the six words 稳增长、促改革、调结构、惠民生、防风险、保稳定,
  separated by 、，, ; / or spaces (full-width too); any other word refuses the row, naming the cell. An empty
  cell means no area; a file without the column leaves every problem's areas as they are.
- The kind of an existing item, and its unit, are not changed by an import.
- Deadlines may lie in the past only in a campaign that has ended.
- Modes: stop (default: any refused row and nothing is written), skip (refused rows are listed and the others
  applied), update (only existing items change; rows that would add are refused).
- See `plan` for keys, fingerprints and duplicates.
"""
