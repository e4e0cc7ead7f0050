-- A member nominated in an election, first-past-the-post or proportional.
CREATE TABLE candidates (
  id                BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
  election_id       INT UNSIGNED      NOT NULL,
  member_id         BIGINT UNSIGNED   NOT NULL,
  district_id       SMALLINT UNSIGNED NOT NULL,
  constituency_no   TINYINT UNSIGNED  NULL COMMENT 'NULL for proportional-list candidates',
  post              VARCHAR(64)       NOT NULL COMMENT 'HoR member, PA member, mayor, ward chair, ...',
  seat_type         ENUM('fptp', 'proportional') NOT NULL DEFAULT 'fptp',
  nomination_status ENUM('proposed', 'filed', 'accepted', 'withdrawn', 'rejected') NOT NULL DEFAULT 'proposed',
  spending_limit    DECIMAL(12, 2)    NULL COMMENT 'set by the Election Commission per post',
  votes_received    INT UNSIGNED      NULL,
  elected           TINYINT(1)        NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY uq_candidates_election_member (election_id, member_id),
  KEY idx_candidates_district (district_id, constituency_no),
  CONSTRAINT fk_candidates_election FOREIGN KEY (election_id) REFERENCES elections (id),
  CONSTRAINT fk_candidates_member FOREIGN KEY (member_id) REFERENCES members (id),
  CONSTRAINT fk_candidates_district FOREIGN KEY (district_id) REFERENCES districts (id)
);
