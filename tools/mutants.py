"""Hand-made mutation testing of the exactly-once core: each mutant must make a test fail.

    python tools/mutants.py            # every mutant, each against the tests that guard it
    python tools/mutants.py replan     # only mutants whose name contains "replan"

A mutant is one small edit of the kind a slip of the hand makes (a comparison flipped, a call
dropped, a guard removed). The script applies it to a copy of the source in memory, writes it,
runs the named tests, and restores the file; a mutant the tests do not notice ("survived") is a
hole in the tests. Exit code 1 when any survived. mutmut does this blindly over a whole module;
this list aims at the decisions exactly-once rests on, so it runs in minutes, not hours.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, file, original text, mutated text, tests to run)
MUTANTS = [
    (
        "undone-resent",
        "crosspost/publish.py",
        "        if undone and not again:",
        "        if False:",
        "tests/test_publish.py::test_undo_deletes_in_reverse_and_records",
    ),
    (
        "unschedule-ignored",
        "crosspost/publish.py",
        "                cancelled = run.still_wanted()",
        "                cancelled = None",
        "tests/test_run.py::test_unschedule_while_a_run_prepares_the_entry_wins",
    ),
    (
        "backoff-for-people",
        "crosspost/pipeline.py",
        "    retry_now: bool = True,",
        "    retry_now: bool = False,",
        "tests/test_run.py::test_a_person_re_running_after_a_500_retries_at_once",
    ),
    (
        "wait-from-a-wrong-clock",
        "crosspost/publish.py",
        "        return not retry_now and row.next_attempt_at <= now + BACKOFF_MAX",
        "        return not retry_now",
        "tests/test_run.py::test_a_wait_stored_by_a_clock_two_years_fast_is_over",
    ),
    (
        "lost-ledger-accepted",
        "crosspost/ledger.py",
        "    if evidence:",
        "    if False:",
        "tests/test_run.py::test_a_lost_ledger_is_an_error_not_a_fresh_start",
    ),
    (
        "outbox-keyed-by-path",
        "crosspost/platforms/outbox/adapter.py",
        "        return self._key(self._outbox_id())",
        "        return self._key(str(self.root.resolve()))",
        "tests/test_run.py::test_moving_the_project_does_not_make_a_new_outbox",
    ),
    (
        "legacy-rows-not-moved",
        "crosspost/publish.py",
        "        ledger.move_account(adapter.name, old, account)",
        "        pass",
        "tests/test_run.py::test_rows_keyed_by_a_legacy_account_are_moved_not_reposted",
    ),
    (
        "run-now-keeps-waits",
        "crosspost/runner.py",
        "            ledger.clear_waits()",
        "            pass",
        "tests/test_run.py::test_run_now_retries_a_post_held_by_a_rate_limit",
    ),
    (
        "hold-from-a-wrong-clock",
        "crosspost/schedule/store.py",
        "(now, now + LIMIT_MAX)",
        "(now, now + 1e12)",
        "tests/test_run.py::test_a_platform_hold_is_capped_and_lifted_by_run_now",
    ),
    (
        "adopt-older-posts",
        "crosspost/publish.py",
        "        since = sent_at - CLOCK_SKEW if sent_at else None",
        "        since = None",
        "tests/test_publish.py::test_an_older_post_with_the_same_text_is_not_adopted",
    ),
    (
        "no-settle-wait",
        "crosspost/publish.py",
        "        if found is None and settle and wait > 0 and sent_at:",
        "        if False:",
        "tests/test_publish.py -k lagging",
    ),
    (
        "x-5xx-not-unknown",
        "crosspost/platforms/x/adapter.py",
        "    if status >= 500 and creates:",
        "    if False:",
        "tests/test_e2e_x.py::test_cli_500_after_x_stored_the_post_is_looked_up_not_resent",
    ),
    (
        "replan-by-position",
        "crosspost/publish.py",
        "            plan = run.plan = fitted.plan",
        "            pass",
        "tests/test_publish.py -k replan",
    ),
    (
        "replan-no-renumber",
        "crosspost/replan.py",
        "        if position in todo:",
        "        if False:",
        "tests/test_publish.py -k replan",
    ),
    (
        "replan-no-similarity",
        "crosspost/replan.py",
        "        if matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR:",
        "        if False:",
        "tests/test_publish.py -k replan",
    ),
    (
        "replan-no-card-match",
        "crosspost/replan.py",
        "    score = 2 if same_cards and any(alts) else 0",
        "    score = 0",
        "tests/test_publish.py -k replan",
    ),
    (
        "replan-asked-again",
        "crosspost/publish.py",
        "    return bool(live) and all(r.fingerprint == fingerprint for r in live)",
        "    return False",
        "tests/test_publish.py -k replan",
    ),
    (
        "walkthrough-shape",
        "crosspost/schedule/entries.py",
        "    if carousel:\n        return 0.0",
        "    if False:\n        return 0.0",
        "tests/test_run.py::test_the_readme_walkthrough_in_order_publishes_each_thing_once",
    ),
    (
        "replan-in-order-only",
        "crosspost/replan.py",
        "        if i not in used_rows and j not in used_posts:",
        "        if i not in used_rows and j not in used_posts and all((i < a) == (j < b) for a, b in pairs):",
        "tests/test_publish.py -k swapping",
    ),
    (
        "replan-sends-unresolved",
        "crosspost/publish.py",
        "                if not _resolve_maybe_sent(run, rows):",
        "                if False:",
        "tests/test_publish.py -k removed_story",
    ),
    (
        "replan-tail-not-due",
        "crosspost/publish.py",
        "            if upto is not None and upto >= len(plan.posts):",
        "            if False:",
        "tests/test_publish.py -k longer_than",
    ),
    (
        "x-no-lag-wait",
        "crosspost/platforms/x/adapter.py",
        "    lookup_settle = 10.0",
        "    lookup_settle = 0.0",
        "tests/test_e2e_x.py -k timeline_lags",
    ),
    (
        "empty-database-accepted",
        "crosspost/ledger.py",
        "                    _refuse_if_used_before(self.path, empty=True)",
        "                    pass",
        "tests/test_run.py -k lost_ledger",
    ),
    (
        "undo-skips-legacy",
        "crosspost/publish.py",
        "        _adopt_legacy_keys(adapter, ledger, account)\n        rows = [r for r in",
        "        rows = [r for r in",
        "tests/test_publish.py::test_undo_finds_posts_recorded_under_a_legacy_account_key",
    ),
    (
        "api-undo-keeps-schedule",
        "crosspost/api.py",
        "    unscheduled = cancel_for_undo(cfg, wanted, platform, complete=report.exit_code == 0)",
        "    unscheduled: list = []",
        "tests/test_api.py -k undo_deletes",
    ),
    (
        "api-undo-unconfirmed",
        "crosspost/api.py",
        "    if confirm is not None and confirm(wanted, platform) is False:",
        "    if False:",
        "tests/test_api.py -k confirm",
    ),
    (
        "intent-not-kept",
        "crosspost/ledger.py",
        '" intent=CASE WHEN intent IS NOT NULL AND content_hash=excluded.content_hash"',
        '" intent=CASE WHEN 0 AND content_hash=excluded.content_hash"',
        "tests/test_publish.py::test_every_send_of_a_post_carries_the_token_stored_before_the_first",
    ),
    (
        "intent-kept-after-undo",
        "crosspost/ledger.py",
        "wait_kind='', reply_to=NULL, intent=NULL, updated_at=?",
        "wait_kind='', reply_to=NULL, updated_at=?",
        "tests/test_publish.py::test_a_changed_post_or_a_publish_again_gets_a_new_token",
    ),
    (
        "bluesky-plain-upsert",
        "crosspost/platforms/bluesky/adapter.py",
        '            "swapRecord": None,  # JSON null: create only if nothing is at this key',
        "",
        "tests/test_bluesky.py::test_a_different_record_at_the_key_is_never_overwritten",
    ),
    (
        "mastodon-no-idempotency-key",
        "crosspost/platforms/mastodon/adapter.py",
        "                idempotency_key=post.intent,",
        "                idempotency_key=None,",
        "tests/test_mastodon.py::test_a_resend_of_a_stored_status_is_absorbed_by_the_idempotency_key",
    ),
    (
        "x-range-weight",
        "crosspost/platforms/x/textlen.py",
        "RANGES = ((0, 4351, 100), (8192, 8205, 100),",
        "RANGES = ((0, 4351, 100), (8192, 8205, 200),",
        "tests/test_textlen.py -k conformance",
    ),
    (
        "x-emoji-lookup-dropped",
        "crosspost/platforms/x/textlen.py",
        "    emojis = {} if text.isascii() else _emoji_spans(text)",
        "    emojis: dict[int, int] = {}",
        "tests/test_textlen.py::test_basic_weights",
    ),
    (
        "x-emoji-shortest-first",
        "crosspost/platforms/x/textlen.py",
        "tuple(sorted(found, reverse=True))",
        "tuple(sorted(found))",
        "tests/test_textlen.py -k every_emoji_of_the_library_list",
    ),
    (
        "x-emoji-single-ignored",
        "crosspost/platforms/x/textlen.py",
        "        if not found and char in singles:",
        "        if False:",
        "tests/test_textlen.py -k unicode_text_matches",
    ),
    (
        "x-tld-follower-ignored",
        "crosspost/plan/xurls.py",
        " and _TLD_FOLLOWER.match(piece, length):",
        ":",
        "tests/test_textlen.py -k ascii_tld_lookup",
    ),
    (
        "x-tld-case-sensitive",
        "crosspost/plan/xurls.py",
        "    folded = piece.lower()",
        "    folded = piece",
        "tests/test_textlen.py -k ascii_tld_lookup",
    ),
    (
        "lease-not-checked-before-send",
        "crosspost/ledger.py",
        "            self._check_lease(db, key)",
        "            pass",
        "tests/test_shared_db.py -k lapses",
    ),
    (
        "lease-taken-while-held",
        "crosspost/database.py",
        '                f" WHERE leases.expires_at < {DB_NOW_VALUE} RETURNING owner",',
        '                " RETURNING owner",',
        "tests/test_shared_db.py -k lapses",
    ),
    (
        "claims-wait-for-locked-rows",
        "crosspost/schedule/store.py",
        '        return " FOR UPDATE SKIP LOCKED" if self.db.kind == "postgresql" else ""',
        '        return " FOR UPDATE" if self.db.kind == "postgresql" else ""',
        "tests/test_shared_db.py -k skips_a_row",
    ),
    (
        "claim-ignores-another-runners-claim",
        "crosspost/schedule/store.py",
        '                " AND (claimed_until IS NULL OR claimed_until<? OR claimed_by=?)"',
        '                " AND (claimed_until IS NULL OR claimed_until>=? OR claimed_by=?)"',
        "tests/test_shared_db.py -k claim",
    ),
    (
        "glyph-pixel-rounding",
        "crosspost/cards/glyphs.py",
        "    return ((v + 32) & -64) >> 6",
        "    return ((v + 31) & -64) >> 6",
        "tests/test_glyphs.py -k fractional_starts",
    ),
    (
        "glyph-python-round",
        "crosspost/cards/glyphs.py",
        "    pen_x = _c_round(",
        "    pen_x = round(",
        "tests/test_glyphs.py -k fractional_starts",
    ),
    (
        "glyph-no-backward-script-fill",
        "crosspost/cards/glyphs.py",
        "            if scripts[i] in (HB_SCRIPT_INHERITED, HB_SCRIPT_COMMON):\n                scripts[i] = scripts[i + 1]",
        "            pass",
        "tests/test_glyphs.py -k script_runs",
    ),
    (
        "glyph-marks-keep-own-script",
        "crosspost/cards/glyphs.py",
        "                found = HB_SCRIPT_INHERITED\n",
        "                found = hb.hb_unicode_script(funcs, code)\n",
        "tests/test_glyphs.py -k script_runs",
    ),
    (
        "glyph-no-text-ends",
        "crosspost/cards/glyphs.py",
        "hb.hb_buffer_set_flags(buf, HB_BUFFER_FLAG_BOT | HB_BUFFER_FLAG_EOT)",
        "hb.hb_buffer_set_flags(buf, 0)",
        "tests/test_glyphs.py -k stacked_high",
    ),
    (
        "glyph-not-cut-to-pillows-box",
        "crosspost/cards/glyphs.py",
        "        if xx < 0 or yy < 0 or xx + g.width > width or yy + g.rows > height:",
        "        if False:",
        "tests/test_glyphs.py -k outside_the_box",
    ),
]


def run(mutant: tuple[str, str, str, str, str]) -> bool:
    """True when the tests notice the mutant (it is killed)."""
    name, rel, original, mutated, tests = mutant
    path = ROOT / rel
    source = path.read_text(encoding="utf-8")
    if source.count(original) != 1:
        raise SystemExit(f"{name}: the original text is not found exactly once in {rel}; update MUTANTS")
    path.write_text(source.replace(original, mutated), encoding="utf-8")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests.split()],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        path.write_text(source, encoding="utf-8")
    return result.returncode != 0


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTANTS if not argv or any(a in m[0] for a in argv)]
    survived = []
    for mutant in chosen:
        killed = run(mutant)
        print(f"{'killed  ' if killed else 'SURVIVED'} {mutant[0]}", flush=True)
        if not killed:
            survived.append(mutant[0])
    print(f"{len(chosen) - len(survived)}/{len(chosen)} mutants killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
