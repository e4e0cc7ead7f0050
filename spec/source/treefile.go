package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// fileInfo is the fs.FileInfo of an entry of a commit tree.
type fileInfo struct {
	name    string
	mode    filemode.FileMode
	size    int64
	modTime time.Time
	// tree and entry locate a file's blob; unset for directories.
	tree  *object.Tree
	entry object.TreeEntry
}

var _ fs.FileInfo = (*fileInfo)(nil)

// info describes entry e of tree, with the size of its blob. The caller holds t.mu.
func (t *treeFS) info(tree *object.Tree, e object.TreeEntry) (*fileInfo, error) {
	fi := &fileInfo{name: e.Name, mode: e.Mode, modTime: t.modTime, tree: tree, entry: e}
	if e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
		return fi, nil // a submodule's commit is not in this repository
	}
	size, err := tree.Size(e.Name)
	if err != nil {
		return nil, fmt.Errorf("read blob size: %w", err)
	}
	fi.size = size
	return fi, nil
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode  { return fsMode(fi.mode) }
func (fi *fileInfo) ModTime() time.Time { return fi.modTime }
func (fi *fileInfo) IsDir() bool        { return fi.mode == filemode.Dir }
func (fi *fileInfo) Sys() any           { return nil }

// fsMode maps a Git file mode to the fs.FileMode a checkout would have.
func fsMode(m filemode.FileMode) fs.FileMode {
	switch m {
	case filemode.Dir:
		return fs.ModeDir | 0o755
	case filemode.Executable:
		return 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	case filemode.Submodule:
		return fs.ModeIrregular
	default:
		return 0o644
	}
}

// dirEntry is an fs.DirEntry of a commit tree; Info reads the blob size lazily.
type dirEntry struct {
	t     *treeFS
	tree  *object.Tree
	entry object.TreeEntry
}

var _ fs.DirEntry = (*dirEntry)(nil)

func (d *dirEntry) Name() string      { return d.entry.Name }
func (d *dirEntry) IsDir() bool       { return d.entry.Mode == filemode.Dir }
func (d *dirEntry) Type() fs.FileMode { return fsMode(d.entry.Mode).Type() }
func (d *dirEntry) String() string    { return fs.FormatDirEntry(d) }

// Info returns the entry's fs.FileInfo.
func (d *dirEntry) Info() (fs.FileInfo, error) {
	d.t.mu.Lock()
	defer d.t.mu.Unlock()
	return d.t.info(d.tree, d.entry)
}

// treeFile is an open regular file, read whole from its blob.
type treeFile struct {
	info *fileInfo
	*bytes.Reader
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Close() error               { return nil }

// treeDir is an open directory.
type treeDir struct {
	info    *fileInfo
	entries []fs.DirEntry
	offset  int
}

var _ fs.ReadDirFile = (*treeDir)(nil)

func (d *treeDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *treeDir) Close() error               { return nil }

// Read fails: a directory has no contents to read.
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}

// ReadDir implements fs.ReadDirFile: n > 0 returns at most n entries and
// io.EOF at the end; n <= 0 returns all remaining entries.
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.offset += n
	return rest[:n], nil
}
