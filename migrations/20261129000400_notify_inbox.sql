-- The citizen's in-app inbox reads the push messages addressed to them in the notify outbox.
CREATE INDEX notify_outbox_inbox ON notify_outbox (recipient, created_at DESC) WHERE channel = 'push';
