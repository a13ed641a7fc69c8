-- A webhook sender's lease names the sender: lease_owner is a token made for each claim. What a
-- send got is recorded only where the delivery is still leased to that token, so a sender whose
-- lease ran out (frozen, or slower than the lease) changes nothing once another sender took the
-- delivery, as the queue's claims are fenced by deployment_queue.lease_owner.
ALTER TABLE webhook_deliveries ADD COLUMN lease_owner text;
