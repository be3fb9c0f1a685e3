"""One module per stage page (feel, reason, grow, heal, support, journey, start, practice, the
app around them), built from pieces with one job each: `page` (the `Page`), `forms`,
`widgets` (JavaScript in `js/`), `markup`, `session`, `links`, `autosave`, `crisis`; widgets
several pages share are in `fields` and `handover`. `kit` names them all in one place."""
