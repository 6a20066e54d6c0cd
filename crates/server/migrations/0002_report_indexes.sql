-- Reports aggregate events in SQL per user and kind, leaving out the events
-- that a void event of the same user names.
CREATE INDEX events_user_kind ON events(user_id, kind);
CREATE INDEX events_void_target ON events(user_id, json_extract(payload, '$.target'))
    WHERE kind = 'void';
