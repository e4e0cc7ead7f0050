package source

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkTreeFSFleet reads every tenant of a commit as spec.Load does
// (list tenants/, stat, read tenant.yaml, list the tenant directory). The
// time per tenant must not grow with the fleet: before subtrees were cached,
// each lookup decoded tenants/ again, and 3000 tenants took 29 s to load.
func BenchmarkTreeFSFleet(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("no git binary")
	}
	for _, n := range []int{500, 2000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			for i := 0; i < n; i++ {
				p := filepath.Join(dir, "tenants", fmt.Sprintf("t%05d", i))
				if err := os.MkdirAll(p, 0o755); err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(p, "tenant.yaml"), []byte(fmt.Sprintf("name: t%05d\n", i)), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "fleet"}} {
				if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
					b.Fatalf("git %v: %v %s", args, err, out)
				}
			}
			repo, err := OpenRepo(dir)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				snap, err := repo.Snapshot("main")
				if err != nil {
					b.Fatal(err)
				}
				entries, err := fs.ReadDir(snap.FS, "tenants")
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range entries {
					p := "tenants/" + e.Name()
					if _, err := fs.Stat(snap.FS, p+"/tenant.yaml"); err != nil {
						b.Fatal(err)
					}
					if _, err := fs.ReadFile(snap.FS, p+"/tenant.yaml"); err != nil {
						b.Fatal(err)
					}
					if _, err := fs.ReadDir(snap.FS, p); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/tenant")
		})
	}
}
