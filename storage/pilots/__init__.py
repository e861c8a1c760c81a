"""Pilots: the plan a submission in `pilot` runs on (numbered iterations, every one
kept), its metrics' readings, and the go/no-go. The staff CLI (`pilot ...`) acts through
it; Slack, the vendor's chat form, check-ins and the public register build on it.

One job per module, each importing only those above it in this list:
- models: the tables (iterations, metrics, readings, milestones, budget lines, data
  terms with their disclosure assessment, decisions).
- disclosure: the disclosure-impact assessment (records x cost per record by class, the
  risk level, whether a lead's note is required), from disclosure_costs.yml.
- checkins: the check-ins an approved plan is due (milestones, metric cadences, the
  end), asking the vendor and escalating, and answering them.
- plan_input: a plan document (JSON or YAML) read, checked and normalised; refusals
  name the key.
- plans: setting a plan (a draft replaced, or a new iteration) and approving it.
- readings: reporting a metric's value.
- decisions: go/no-go (scale, extend, stop) and each metric met or not.
- views: the plan view, one iteration as a JSON-ready dict (docs/pilots.md).
Callers import from the module that does the job.
"""
