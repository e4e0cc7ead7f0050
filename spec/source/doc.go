// Package source supplies the config repo that spec.Load reads, as a
// Snapshot: an fs.FS at one commit with the commit's hash, message and PR.
//
//   - Local / OpenRepo + Repo.Snapshot: a commit of a local Git repository,
//     by any ref git rev-parse accepts (strata plan --base REF, --ref REF).
//   - Worktree: a plain directory, uncommitted files included.
//   - NewRemote + Remote.Sync: the tip of one branch of a remote (https, ssh
//     or a local path), cloned into a cache directory and fetched on every
//     Sync (strata run). Local paths are served in-process: no git binary.
//   - Watch: debounced change events for a directory (strata run --watch).
//   - ParsePR: the PR number a merge commit message records.
//
// A commit's FS is read-only and reads Git objects directly. Symbolic links
// and submodules cannot be followed there: they are listed with
// fs.ModeSymlink / fs.ModeIrregular and opening one fails with ErrSymlink
// (a Worktree's os.DirFS would follow them: spec.Load refuses links in both).
//
// The package depends on go-git, never on the git binary, and deliberately
// does not import package spec so that spec stays free of Git.
package source
