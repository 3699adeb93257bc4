-- grain: one row per flag, best first: the flags table as the last run wrote it (Parquet copy).
-- Inputs: flags.
select * from flags
order by rank
