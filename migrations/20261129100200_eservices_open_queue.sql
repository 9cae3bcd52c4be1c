-- The back-office's default queue (open applications of one administration, nearest deadline first)
-- read in index order: the first page is 51 index entries, however many applications the table holds.
CREATE INDEX eservices_applications_open_queue ON eservices_applications (owner, due_at, id)
  WHERE status IN ('submitted', 'in_review', 'info_requested');
