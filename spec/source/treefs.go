package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrSymlink is returned when opening a symbolic link or submodule in a commit:
// a config repo is read from Git objects, where a link has no target to follow,
// so strata asks for the file itself to be committed.
var ErrSymlink = errors.New("symbolic links and submodules are not supported in a config repo; commit the file itself")

// treeFS is a read-only fs.FS over the tree of one Git commit.
//
// Files are read whole into memory on Open (config repos hold small YAML and
// SQL files), so an open file supports Read, Seek and ReadAt. Symbolic links
// and submodules are listed by ReadDir (as fs.ModeSymlink and fs.ModeIrregular)
// but opening them fails with ErrSymlink. go-git objects and storage are not
// safe for concurrent use, so every access holds mu, the lock of the
// repository the tree was read from (shared by all its snapshots).
type treeFS struct {
	mu      *sync.Mutex
	root    *object.Tree
	modTime time.Time // the commit time, reported for every entry
	// trees caches decoded subtrees by path: decoding tenants/ (one entry
	// per tenant) on every lookup made loading a fleet quadratic.
	trees map[string]*object.Tree
}

var (
	_ fs.ReadFileFS = (*treeFS)(nil)
	_ fs.ReadDirFS  = (*treeFS)(nil)
	_ fs.StatFS     = (*treeFS)(nil)
)

// newTreeFS returns an fs.FS over root whose entries report modTime; mu
// guards the repository root was read from.
func newTreeFS(root *object.Tree, modTime time.Time, mu *sync.Mutex) *treeFS {
	return &treeFS{root: root, modTime: modTime, mu: mu, trees: map[string]*object.Tree{}}
}

// Open opens the named file or directory.
func (t *treeFS) Open(name string) (fs.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	info, tree, err := t.lookup("open", name)
	if err != nil {
		return nil, err
	}
	if tree != nil {
		entries, err := t.dirEntries(tree)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &treeDir{info: info, entries: entries}, nil
	}
	data, err := t.read(name, info)
	if err != nil {
		return nil, err
	}
	return &treeFile{info: info, Reader: bytes.NewReader(data)}, nil
}

// ReadFile returns the contents of the named file.
func (t *treeFS) ReadFile(name string) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	info, tree, err := t.lookup("readfile", name)
	if err != nil {
		return nil, err
	}
	if tree != nil {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: errors.New("is a directory")}
	}
	return t.read(name, info)
}

// ReadDir returns the entries of the named directory sorted by name.
func (t *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, tree, err := t.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if tree == nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	entries, err := t.dirEntries(tree)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return entries, nil
}

// Stat returns the fs.FileInfo of the named file or directory.
func (t *treeFS) Stat(name string) (fs.FileInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	info, _, err := t.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return info, nil
}

// lookup finds name in the tree. For a directory it returns its tree too.
// The caller holds t.mu.
func (t *treeFS) lookup(op, name string) (*fileInfo, *object.Tree, error) {
	if !fs.ValidPath(name) {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return &fileInfo{name: ".", mode: filemode.Dir, modTime: t.modTime}, t.root, nil
	}
	tree := t.root
	parts := strings.Split(name, "/")
	for i, part := range parts {
		e, err := tree.FindEntry(part) // indexed by go-git after the first call
		if err != nil {
			return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		last := i == len(parts)-1
		if e.Mode != filemode.Dir {
			if !last { // a path through a file
				return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
			}
			info, err := t.info(tree, *e)
			if err != nil {
				return nil, nil, &fs.PathError{Op: op, Path: name, Err: err}
			}
			return info, nil, nil
		}
		dir := strings.Join(parts[:i+1], "/")
		sub, ok := t.trees[dir]
		if !ok {
			if sub, err = tree.Tree(part); err != nil {
				return nil, nil, &fs.PathError{Op: op, Path: name, Err: fmt.Errorf("read tree: %w", err)}
			}
			t.trees[dir] = sub
		}
		if last {
			return &fileInfo{name: part, mode: e.Mode, modTime: t.modTime}, sub, nil
		}
		tree = sub
	}
	return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist} // not reached: the last part returns
}

// read returns the contents of the file described by info. The caller holds t.mu.
func (t *treeFS) read(name string, info *fileInfo) ([]byte, error) {
	if !isRegular(info.mode) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrSymlink}
	}
	f, err := info.tree.TreeEntryFile(&info.entry)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("read blob: %w", err)}
	}
	r, err := f.Reader()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("read blob: %w", err)}
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("read blob: %w", err)}
	}
	return data, nil
}

// dirEntries lists tree sorted by name (Git sorts directories as if their
// names ended in "/", which fs.ReadDir does not). The caller holds t.mu.
func (t *treeFS) dirEntries(tree *object.Tree) ([]fs.DirEntry, error) {
	out := make([]fs.DirEntry, 0, len(tree.Entries))
	for _, e := range tree.Entries {
		if !fs.ValidPath(e.Name) || strings.Contains(e.Name, "/") {
			return nil, fmt.Errorf("tree entry %q is not a valid file name", e.Name)
		}
		out = append(out, &dirEntry{t: t, tree: tree, entry: e})
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// isRegular reports whether mode is a file whose contents can be read.
func isRegular(mode filemode.FileMode) bool {
	return mode == filemode.Regular || mode == filemode.Executable || mode == filemode.Deprecated
}
