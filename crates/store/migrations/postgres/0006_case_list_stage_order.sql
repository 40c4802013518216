-- The case list filtered by stage reads the index in page order and stops after one
-- page, instead of sorting every case at that stage in the area.
DROP INDEX case_index_area_stage;
CREATE INDEX case_index_area_stage_sort ON case_index (area_id, stage, sort_key, stream_no);
