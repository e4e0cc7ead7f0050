package daemon

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard selects the tenants one replica owns: those whose name hashes to
// Index modulo Count. The zero Shard (Count 0) owns every tenant.
type Shard struct {
	Index, Count int
}

// ParseShard parses "i/n" (0 <= i < n), as --shard takes it; "" is the zero Shard.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("daemon: invalid shard %q: use i/n with 0 <= i < n, e.g. --shard 0/3 for the first of three replicas", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// Owns reports whether the shard owns the named tenant. The hash (FNV-1a) is
// stable across versions and machines, so replicas agree without talking.
func (s Shard) Owns(tenant string) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(tenant))
	return int(h.Sum32()%uint32(s.Count)) == s.Index
}

// String returns "i/n", or "all" for the zero Shard.
func (s Shard) String() string {
	if s.Count <= 1 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}
