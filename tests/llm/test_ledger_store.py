"""The ledger in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aube.store import LlmCall, NewCard, NewEdition, Store

T0 = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)


def test_calls_are_summed_by_day_stage_and_user_and_outlive_the_user(any_store: Store) -> None:
    store = any_store
    ana = store.add_user("ana", now=T0).id
    eid = store.save_editions(
        [
            NewEdition(
                ana,
                "2026-03-03",
                [
                    NewCard(
                        kind="top",
                        story_id=None,
                        story_version=0,
                        headline="H",
                        summary="S",
                        reason="R",
                        interest_id=None,
                        interest_label="",
                        sources=[],
                        changes=[],
                        score=1.0,
                    )
                ],
                False,
            )
        ],
        now=T0,
    )[ana]

    def call(at, stage, purpose, p, c, s, **ids):  # type: ignore[no-untyped-def]
        return LlmCall(
            at=at,
            stage=stage,
            purpose=purpose,
            backend="b",
            model="m",
            prompt_tokens=p,
            completion_tokens=c,
            seconds=s,
            **ids,
        )

    store.record_llm_calls(
        [
            call(T0, "shared", "summary", 500, 100, 2.0),
            call(T0 + timedelta(minutes=40), "shared", "summary", 300, 50, 1.0),  # the next UTC day
            call(
                T0 + timedelta(minutes=45),
                "per-user",
                "personal-line",
                120,
                20,
                0.5,
                user_id=ana,
                edition_id=eid,
            ),
        ]
    )
    assert store.llm_days() == ["2026-03-03", "2026-03-02"]
    assert store.llm_spent(since=T0).tokens == 1090
    assert store.llm_spent(since=T0 + timedelta(minutes=1), stage="shared").tokens == 350
    assert store.llm_spent_by_user([ana], since=T0) == {ana: 140}
    rows = {r["purpose"]: r for r in store.llm_usage("2026-03-03")}
    assert rows["personal-line"]["edition_id"] == eid and rows["summary"]["prompt_tokens"] == 300
    [card] = store.edition_cards([eid])[eid]
    store.set_personal_lines({card.id: "Because you asked."})
    assert store.get_edition(ana, "2026-03-03").cards[0].personal_line == "Because you asked."
    store.delete_user(ana)
    rows = {r["purpose"]: r for r in store.llm_usage("2026-03-03")}
    assert (
        rows["personal-line"]["user_id"] is None and rows["personal-line"]["prompt_tokens"] == 120
    )
