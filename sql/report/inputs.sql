-- grain: one row per source: the files it loaded and failed, the rows it loaded, and when its
-- last load finished; the report's summary names its inputs with it.
-- Inputs: loads.
select
    source,
    count(*) filter (where status = 'loaded') as files_loaded,
    count(*) filter (where status = 'failed') as files_failed,
    cast(coalesce(sum(rows_loaded), 0) as bigint) as rows_loaded,
    max(finished_at) as last_load_finished_at
from loads
group by source
order by source
