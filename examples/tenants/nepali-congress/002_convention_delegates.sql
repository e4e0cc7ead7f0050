-- Delegates elected by each district to the General Convention (mahadhiveshan).
CREATE TABLE convention_delegates (
  id          BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
  convention  VARCHAR(64)       NOT NULL COMMENT 'e.g. 15th General Convention',
  member_id   BIGINT UNSIGNED   NOT NULL,
  district_id SMALLINT UNSIGNED NOT NULL,
  elected_on  DATE              NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_convention_delegates_member (convention, member_id),
  KEY idx_convention_delegates_district (district_id),
  CONSTRAINT fk_convention_delegates_member FOREIGN KEY (member_id) REFERENCES members (id),
  CONSTRAINT fk_convention_delegates_district FOREIGN KEY (district_id) REFERENCES districts (id)
);
