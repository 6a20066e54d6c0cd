-- Reports aggregate events in SQL per user and kind (voided events are left
-- out through a list of the users' void targets).
CREATE INDEX events_user_kind ON events(user_id, kind);
