-- Nepali Congress distinguishes active members (sakriya sadasya), who vote
-- for convention delegates, from general members.
ALTER TABLE members
  ADD COLUMN active_member_since DATE NULL AFTER status,
  ADD COLUMN active_card_number VARCHAR(32) NULL AFTER active_member_since;

CREATE UNIQUE INDEX uq_members_active_card_number ON members (active_card_number);
