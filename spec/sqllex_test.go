package spec

import (
	"slices"
	"testing"
)

func TestSplitSQL(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		want  []string
		lines []int
	}{
		{"two", "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);", []string{"CREATE TABLE a (id INT)", "CREATE TABLE b (id INT)"}, []int{1, 2}},
		{"semicolons in strings and comments", "INSERT INTO a VALUES ('x;y', \"p;q\", `c;d`); -- ; here\n# ; there\n/* ; */ DELETE FROM a;",
			[]string{"INSERT INTO a VALUES ('x;y', \"p;q\", `c;d`)", "DELETE FROM a"}, []int{1, 3}},
		{"escapes and doubled quotes", "INSERT INTO a VALUES ('it''s; \\'ok\\';');\n\n\nUPDATE a SET b = 1",
			[]string{"INSERT INTO a VALUES ('it''s; \\'ok\\';')", "UPDATE a SET b = 1"}, []int{1, 4}},
		{"double dash needs a space", "UPDATE a SET b = 1--1;", []string{"UPDATE a SET b = 1--1"}, []int{1}},
		{"empty statements", ";;\n;", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := SplitSQL([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var sqls []string
			var lines []int
			for _, s := range stmts {
				sqls = append(sqls, s.SQL)
				lines = append(lines, s.Line)
			}
			if !slices.Equal(sqls, tt.want) || !slices.Equal(lines, tt.lines) {
				t.Errorf("got %q at %v, want %q at %v", sqls, lines, tt.want, tt.lines)
			}
		})
	}
	if _, err := SplitSQL([]byte("SELECT 'open")); err == nil {
		t.Error("unterminated string: want an error")
	}
}
