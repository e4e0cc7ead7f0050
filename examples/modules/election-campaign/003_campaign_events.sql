-- Which events belong to which candidate campaign (event-management).
CREATE TABLE campaign_events (
  candidate_id BIGINT UNSIGNED NOT NULL,
  event_id     BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (candidate_id, event_id),
  KEY idx_campaign_events_event (event_id),
  CONSTRAINT fk_campaign_events_candidate FOREIGN KEY (candidate_id) REFERENCES candidates (id) ON DELETE CASCADE,
  CONSTRAINT fk_campaign_events_event FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE
);
