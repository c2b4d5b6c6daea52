"""The coach's digest page: one self-contained Jinja template (inline CSS, no scripts, no network).

Kept as a Python string so it travels inside the wheel without a package-data entry. It is
rendered with autoescape on: every client name, company and reason is untrusted text.
"""

from __future__ import annotations

DIGEST_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Follow-up digest — {{ today_text }}</title>
<style>
:root {
  --ink: #1b1f24; --muted: #4a5361; --line: #d6dbe1; --paper: #ffffff; --wash: #f4f6f8;
  --accent: #1f4f99;
  --overdue-ink: #8c1d18; --overdue-bg: #fde7e6; --overdue-edge: #c9372c;
  --today-ink: #6a4500; --today-bg: #fff3cd; --today-edge: #d99a00;
  --upcoming-ink: #14467f; --upcoming-bg: #e4eefb; --upcoming-edge: #3a78c9;
  --invalid-ink: #5b2a86; --invalid-bg: #f1e8fa; --invalid-edge: #7d4bb3;
  --ok-ink: #1c5e2e; --ok-bg: #e3f4e6;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--wash); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif;
}
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
header.page { margin-bottom: 1.5rem; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .75rem; }
h3 { font-size: 1.1rem; margin: 0; }
p { margin: .25rem 0; }
a { color: var(--accent); }
a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.muted { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.notice {
  background: var(--today-bg); color: var(--today-ink); border-left: 4px solid var(--today-edge);
  padding: .5rem .75rem; border-radius: 4px; margin-top: .75rem;
}
.totals {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(7.25rem, 1fr)); gap: .5rem;
  margin: 1rem 0 0; padding: 0;
}
.totals div {
  background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
  padding: .5rem .75rem; border-top: 4px solid var(--line);
}
.totals dt { font-size: .85rem; color: var(--muted); }
.totals dd { margin: 0; font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.totals .overdue { border-top-color: var(--overdue-edge); }
.totals .today { border-top-color: var(--today-edge); }
.totals .upcoming { border-top-color: var(--upcoming-edge); }
.totals .invalid, .totals .conflicts { border-top-color: var(--invalid-edge); }
.totals .failed { border-top-color: var(--overdue-edge); }
.totals .zero { border-top-color: var(--line); }
.totals .zero dd { color: var(--muted); }
.card {
  background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
  padding: 1rem; margin: 0 0 1rem;
}
.card-head { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: baseline;
  margin-bottom: .5rem; }
.card-head .sources { font-size: .9rem; overflow-wrap: anywhere; }
.counts { display: flex; flex-wrap: wrap; gap: .35rem; margin: 0 0 .5rem; padding: 0;
  list-style: none; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 .35rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .5rem;
  border-bottom: 1px solid var(--line); }
thead th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); border-bottom: 2px solid var(--line); }
tbody tr:last-child td, tbody tr:last-child th { border-bottom: 0; }
td.why { color: var(--muted); min-width: 14rem; }
td.nowrap, th.nowrap { white-space: nowrap; }
td a { overflow-wrap: anywhere; }
tr.overdue > :first-child { box-shadow: inset 4px 0 0 var(--overdue-edge); }
tr.today > :first-child { box-shadow: inset 4px 0 0 var(--today-edge); }
tr.upcoming > :first-child { box-shadow: inset 4px 0 0 var(--upcoming-edge); }
tr.invalid > :first-child, tr.failed > :first-child {
  box-shadow: inset 4px 0 0 var(--invalid-edge); }
.badge {
  display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem;
  font-weight: 700; white-space: nowrap; border: 1px solid transparent;
}
.badge.overdue { color: var(--overdue-ink); background: var(--overdue-bg);
  border-color: var(--overdue-edge); }
.badge.today { color: var(--today-ink); background: var(--today-bg);
  border-color: var(--today-edge); }
.badge.upcoming { color: var(--upcoming-ink); background: var(--upcoming-bg);
  border-color: var(--upcoming-edge); }
.badge.invalid, .badge.conflict { color: var(--invalid-ink); background: var(--invalid-bg);
  border-color: var(--invalid-edge); }
.badge.failed { color: var(--overdue-ink); background: var(--overdue-bg);
  border-color: var(--overdue-edge); }
.badge.ok { color: var(--ok-ink); background: var(--ok-bg); }
.badge.quiet { color: var(--muted); background: var(--wash); border-color: var(--line); }
.when { display: block; font-size: .8rem; color: var(--muted); white-space: nowrap; }
th.action { min-width: 8rem; }
.all-clear { color: var(--ok-ink); background: var(--ok-bg); padding: .5rem .75rem;
  border-radius: 6px; }
ul.plain { margin: .25rem 0; padding-left: 1.25rem; }
nav.toc ol { columns: 15rem; column-gap: 2rem; margin: 0; padding-left: 1.5rem; }
nav.toc li { break-inside: avoid; }
footer { margin-top: 2rem; font-size: .85rem; color: var(--muted); }
@media (max-width: 40rem) {
  main { padding: 1rem .6rem 2rem; }
  h1 { font-size: 1.4rem; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); }
  table.stack caption { display: block; width: 100%; }
  table.stack, table.stack tbody, table.stack tr, table.stack td, table.stack th {
    display: block; width: 100%; }
  table.stack tr { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 .6rem;
    padding: .35rem .5rem; }
  table.stack tr.overdue { border-left: 5px solid var(--overdue-edge); }
  table.stack tr.today { border-left: 5px solid var(--today-edge); }
  table.stack tr.upcoming { border-left: 5px solid var(--upcoming-edge); }
  table.stack tr.invalid, table.stack tr.failed { border-left: 5px solid var(--invalid-edge); }
  table.stack tr > :first-child { box-shadow: none; }
  table.stack td, table.stack th { border: 0; padding: .15rem 0; }
  table.stack td[data-label]::before {
    content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
  td.why { min-width: 0; }
}
@media print {
  body { background: #fff; }
  .card { break-inside: avoid; border-color: #999; }
}
</style>
</head>
<body>
<main>
<header class="page">
  <h1>Follow-up digest — <time datetime="{{ today_iso }}">{{ today_text }}</time></h1>
  <p class="muted">Generated {{ generated_text }}.
  {{ totals.clients }} client{{ "" if totals.clients == 1 else "s" }},
  {{ totals.trackers }} tracker{{ "" if totals.trackers == 1 else "s" }}.</p>
  {% if dry_run %}
  <p class="notice" role="note"><strong>Dry run:</strong> nothing was written to the trackers;
  this digest shows what the run would have planned.</p>
  {% endif %}
  <h2 id="totals-heading" class="visually-hidden">Totals</h2>
  <dl class="totals" aria-labelledby="totals-heading">
    {% for total in totals.tiles %}
    <div class="{{ total.css }}{{ " zero" if not total.value }}">
      <dt>{{ total.label }}</dt><dd>{{ total.value }}</dd></div>
    {% endfor %}
  </dl>
</header>

<section aria-labelledby="attention-heading">
  <h2 id="attention-heading">Needs attention</h2>
  {% if not failed and not invalid and not conflicts %}
  <p class="all-clear">Nothing needs fixing: every tracker synced and every row is valid.</p>
  {% endif %}
  {% if failed %}
  {{ tracker_notes(failed, "Trackers that could not be synced", "failed", "failed", "Failed",
                   "Reason") }}
  {% endif %}
  {% if invalid %}
  <section class="card">
    <table class="stack">
      <caption>Rows to fix ({{ invalid | length }})</caption>
      <thead><tr><th scope="col">Status</th><th scope="col">Client</th>
        <th scope="col">Row</th><th scope="col">Company</th><th scope="col">Position</th>
        <th scope="col">What is wrong</th></tr></thead>
      <tbody>
      {% for item in invalid %}
      <tr class="invalid">
        <td data-label="Status"><span class="badge invalid">Invalid</span></td>
        <th scope="row" data-label="Client">{{ item.client }}</th>
        <td class="nowrap" data-label="Row">{{ link(item.link, "Row " ~ item.row.row) }}</td>
        <td data-label="Company">{{ item.row.company or "—" }}</td>
        <td data-label="Position">{{ item.row.position or "—" }}</td>
        <td class="why" data-label="What is wrong">{{ item.row.decision.why }}</td>
      </tr>
      {% endfor %}
      </tbody>
    </table>
  </section>
  {% endif %}
  {% if conflicts %}
  {{ tracker_notes(conflicts, "Cells a person edited, kept as they are", "invalid", "conflict",
                   "Conflict", "Detail") }}
  {% endif %}
</section>

<section aria-labelledby="clients-heading">
  <h2 id="clients-heading">Due actions by client</h2>
  {% if busy %}
  <nav class="toc card" aria-label="Clients with due actions">
    <ol>
    {% for client in busy %}
      <li><a href="#{{ client.anchor }}">{{ client.name }}</a>
        <span class="muted">({{ client.summary }})</span></li>
    {% endfor %}
    </ol>
  </nav>
  {% else %}
  <p class="all-clear">No follow-up is due for any client.</p>
  {% endif %}
  {% for client in busy %}
  <section class="card" id="{{ client.anchor }}" aria-labelledby="{{ client.anchor }}-name">
    <div class="card-head">
      <h3 id="{{ client.anchor }}-name">{{ client.name }}</h3>
      <span class="sources muted">{% for tracker in client.trackers %}{{ link(tracker) }}
        {%- if not loop.last %} · {% endif %}{% endfor %}</span>
    </div>
    <ul class="counts" aria-label="Counts">
      {% for count in client.counts %}
      <li><span class="badge {{ count.css }}">{{ count.value }} {{ count.label }}</span></li>
      {% endfor %}
    </ul>
    <table class="stack">
      <caption class="visually-hidden">Actions for {{ client.name }}</caption>
      <thead><tr><th scope="col">Urgency</th><th scope="col">Due</th>
        <th scope="col">Action</th><th scope="col">Company</th><th scope="col">Position</th>
        <th scope="col">Why</th><th scope="col">Row</th></tr></thead>
      <tbody>
      {% for item in client.items %}
      <tr class="{{ item.urgency }}">
        <td data-label="Urgency"><span class="badge {{ item.urgency }}">
          {{- item.urgency_text }}</span><span class="when">{{ item.when }}</span></td>
        <td class="nowrap" data-label="Due"><time datetime="{{ item.due_iso }}">
          {{- item.due_text }}</time></td>
        <th scope="row" class="action" data-label="Action">{{ item.action_label }}</th>
        <td data-label="Company">{{ item.row.company }}</td>
        <td data-label="Position">{{ item.row.position }}
          {%- if item.row.contact_name %}<span class="when">Contact:
          {{ item.row.contact_name }}</span>{% endif %}</td>
        <td class="why" data-label="Why">{{ item.row.decision.why }}</td>
        <td class="nowrap" data-label="Row">{{ link(item.link, "Row " ~ item.row.row) }}</td>
      </tr>
      {% endfor %}
      </tbody>
    </table>
  </section>
  {% endfor %}
  {% if quiet %}
  <section class="card" aria-labelledby="quiet-heading">
    <h3 id="quiet-heading">Nothing due ({{ quiet | length }})</h3>
    <p class="muted">{% for client in quiet %}{{ client.name }}
      {%- if not loop.last %}, {% endif %}{% endfor %}</p>
  </section>
  {% endif %}
</section>

<footer>
  <p>Written by syncer. Drafts are starting points to edit in each tracker; nothing is sent
  automatically. The same actions are in digest.csv and, as calendar events, in digest.ics.</p>
</footer>
</main>
</body>
</html>
"""

#: ``link``: an anchor when a Link has a safe http(s) target, else plain text.
#: ``tracker_notes``: a card listing one note per tracker (failures, conflicts).
LINK_MACRO = """\
{%- macro link(target, text=None) -%}
{%- if target.href -%}<a href="{{ target.href }}">{{ text or target.text }}</a>
{%- else -%}{{ text or target.text }}{%- endif -%}
{%- endmacro -%}
{%- macro tracker_notes(items, caption, row_class, badge, status, label) -%}
<section class="card">
    <table class="stack">
      <caption>{{ caption }} ({{ items | length }})</caption>
      <thead><tr><th scope="col">Status</th><th scope="col">Client</th>
        <th scope="col">Tracker</th><th scope="col">{{ label }}</th></tr></thead>
      <tbody>
      {% for item in items %}
      <tr class="{{ row_class }}">
        <td data-label="Status"><span class="badge {{ badge }}">{{ status }}</span></td>
        <th scope="row" data-label="Client">{{ item.client }}</th>
        <td data-label="Tracker">{{ link(item.link) }}</td>
        <td class="why" data-label="{{ label }}">{{ item.reason }}</td>
      </tr>
      {% endfor %}
      </tbody>
    </table>
  </section>
{%- endmacro -%}
"""
