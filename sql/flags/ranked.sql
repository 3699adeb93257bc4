-- grain: one row per flag, ranked by its impact, the estimated lost goal completions
-- (lost_goal_completions), overall and within its kind.
-- Inputs: jm_flag_candidates (the rules' rows), $run_at.
select
    row_number() over (
        order by lost_goal_completions desc, journeys_affected desc, kind, subject
    ) as rank,
    row_number() over (
        partition by kind order by lost_goal_completions desc, journeys_affected desc, subject
    ) as rank_in_kind,
    *,
    $run_at as flagged_at
from jm_flag_candidates
