"""The scheduler's planning job: each planner runs on its own, so one that fails does not
keep the others from writing what is due."""

import logging

from bot import scheduler
from storage import public_information, reminders
from storage.pilots import checkins


def test_one_failing_planner_does_not_stop_the_others(app_settings, monkeypatch, caplog):
    ran = []

    def broken(url, now):
        raise RuntimeError("a bad row")

    def counted(planner, written):
        def plan(url, now):
            ran.append(planner(url, now))  # the real planner, on the real database
            return written

        return plan

    monkeypatch.setattr(reminders, "plan", broken)
    monkeypatch.setattr(
        public_information, "plan_reminders", counted(public_information.plan_reminders, 2)
    )
    monkeypatch.setattr(checkins, "plan", counted(checkins.plan, 3))
    with caplog.at_level(logging.ERROR, logger="entryway.scheduler"):
        assert scheduler.plan_reminders() == 5
    assert ran == [0, 0]
    assert "test_scheduler.broken failed; the other planners ran" in caplog.text
    assert "a bad row" in caplog.text
