package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSections: a section goes before the closing notes, is replaced in
// place on the next write, and is what make bench keeps of the old file.
func TestSections(t *testing.T) {
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(out, []byte("# Benchmarks\n\ntables\n\nWhere the time goes: notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"first\n", "second\n"} {
		if err := writeSection(out, "scale", body); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeSection(out, "servers", "three servers\n"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	want := "# Benchmarks\n\ntables\n\n<!-- bench:scale -->\nsecond\n<!-- /bench:scale -->\n\n" +
		"<!-- bench:servers -->\nthree servers\n<!-- /bench:servers -->\n\nWhere the time goes: notes\n"
	if doc != want {
		t.Fatalf("document:\n%s\nwant:\n%s", doc, want)
	}
	kept := keptSections(doc)
	if len(kept) != 2 || !strings.Contains(kept[0], "second") || !strings.Contains(kept[1], "three servers") {
		t.Fatalf("kept sections: %q", kept)
	}
}
