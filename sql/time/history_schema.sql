-- grain: (DDL) one row per (grain, period_start, segment, segment_value, level, node)
-- touchpoint_history keeps the period metrics across runs (see time/period_stats); rates
-- are derived in the view touchpoint_trend. Created once, never dropped.
create table if not exists touchpoint_history (
    grain varchar not null,             -- 'day' or 'week' (ISO, from Monday)
    period_start date not null,
    segment varchar not null,
    segment_value varchar not null,
    level varchar not null,             -- 'touchpoint' or 'stage'
    node varchar not null,
    journeys bigint not null,           -- journeys that first reached the node in the period
    drop_offs bigint not null,
    exits bigint not null,
    goal_journeys bigint not null,
    continued bigint not null,
    continued_goal_journeys bigint not null,
    computed_at timestamp not null      -- when this period's numbers were last rewritten
);

-- grain: one row per (grain, period_start, segment, segment_value, level, node), with rates
create or replace view touchpoint_trend as
select
    grain,
    period_start,
    segment,
    segment_value,
    level,
    node,
    journeys,
    case when journeys > 0 then drop_offs / journeys end as drop_off_rate,
    case when journeys > 0 then exits / journeys end as exit_rate,
    case when journeys > 0 then goal_journeys / journeys end as goal_rate,
    computed_at
from touchpoint_history;
