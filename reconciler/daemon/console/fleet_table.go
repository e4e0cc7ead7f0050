package console

import (
	"context"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The fleet table: the rows that match the filter, sorted, one page of them.

// readFilter keeps the filter and sort parameters of q that are set.
func (v *fleetView) readFilter(q url.Values) {
	v.Filter = url.Values{}
	for _, k := range []string{"status", "template", "module", "label", "q", "drift", "sort", "dir"} {
		if val := strings.TrimSpace(q.Get(k)); val != "" {
			v.Filter.Set(k, val)
		}
	}
}

// sorted returns the rows of all that match the filter, in the asked order.
func (v *fleetView) sorted(all []*row) []*row {
	matched := all[:0:0]
	for _, rw := range all {
		if v.matches(rw) {
			matched = append(matched, rw)
		}
	}
	key := v.Filter.Get("sort")
	if key == "labels" {
		for _, rw := range matched {
			rw.sortLabels()
		}
	}
	sortRows(matched, key, v.Filter.Get("dir") == "desc")
	return matched
}

// showPage puts page number page (1 when unset or out of range) of matched
// into v.Rows with their last runs, read for those rows only, and links the
// pages before and after it.
func (s *server) showPage(ctx context.Context, v *fleetView, matched []*row, page string) error {
	v.Total = len(matched)
	v.Pages = max(1, (v.Total+s.opts.PageSize-1)/s.opts.PageSize)
	v.PageNo, _ = strconv.Atoi(page)
	v.PageNo = min(max(v.PageNo, 1), v.Pages)
	lo, hi := (v.PageNo-1)*s.opts.PageSize, min(v.PageNo*s.opts.PageSize, v.Total)
	names := make([]string, 0, hi-lo)
	for _, rw := range matched[lo:hi] {
		rw.sortLabels()
		v.Rows = append(v.Rows, *rw)
		names = append(names, rw.Name)
	}
	if store := s.d.Landlord(); store != nil && !v.NoLandlord && v.Filter.Get("sort") != "run" {
		runs, err := store.LatestRuns(ctx, names)
		if err != nil {
			return err
		}
		for i := range v.Rows {
			if r, ok := runs[v.Rows[i].Name]; ok {
				v.Rows[i].LastRun = &r
			}
		}
	}
	if v.PageNo > 1 {
		v.Prev = v.with("page", strconv.Itoa(v.PageNo-1))
	}
	if v.PageNo < v.Pages {
		v.Next = v.with("page", strconv.Itoa(v.PageNo+1))
	}
	return nil
}

// addSortLinks links each column heading to the table sorted by it: the
// current sort column toggles its direction.
func (v *fleetView) addSortLinks() {
	cur, desc := v.Filter.Get("sort"), v.Filter.Get("dir") == "desc"
	if cur == "" {
		cur = "name"
	}
	for _, sk := range sortKeys {
		if sk.key == "run" {
			continue // the last run is read for the page's rows only
		}
		l := sortLink{Key: sk.key, Label: sk.label, Link: v.with("sort", sk.key)}
		l.Link.Del("page")
		if cur == sk.key {
			l.Active = "asc"
			if desc {
				l.Active = "desc"
			} else {
				l.Link.Set("dir", "desc")
			}
		} else {
			l.Link.Del("dir")
		}
		v.Sorts = append(v.Sorts, l)
	}
}

// with returns the current filter with k set to val.
func (v *fleetView) with(k, val string) url.Values {
	out := url.Values{}
	for key, vals := range v.Filter {
		out[key] = slices.Clone(vals)
	}
	out.Set(k, val)
	return out
}

func (v *fleetView) matches(rw *row) bool {
	f := v.Filter
	if st := f.Get("status"); st != "" && st != rw.Status && !(st == stPaused && rw.Hold != nil) {
		return false
	}
	if tm := f.Get("template"); tm != "" && tm != rw.Template {
		return false
	}
	if m := f.Get("module"); m != "" && !slices.Contains(rw.Modules, m) {
		return false
	}
	if d := f.Get("drift"); d != "" && d != rw.Drift {
		return false
	}
	if l := f.Get("label"); l != "" {
		k, val, hasVal := strings.Cut(l, "=")
		got, ok := rw.labels[k]
		if !ok || (hasVal && got != val) {
			return false
		}
	}
	if q := f.Get("q"); q != "" && !strings.Contains(rw.Name, strings.ToLower(q)) {
		return false
	}
	return true
}

// sortLabels fills Labels ("k=v", sorted) from the spec's labels, once:
// only for the rows shown (or sorted by labels), not the whole fleet.
func (rw *row) sortLabels() {
	if rw.Labels != nil || len(rw.labels) == 0 {
		return
	}
	for k, val := range rw.labels {
		rw.Labels = append(rw.Labels, k+"="+val)
	}
	sort.Strings(rw.Labels)
}

// sortRows orders rows by the column key, then by name.
func sortRows(rows []*row, key string, desc bool) {
	less := func(a, b *row) int { return strings.Compare(a.Name, b.Name) }
	by := map[string]func(a, b *row) int{
		"status":   func(a, b *row) int { return strings.Compare(a.Status, b.Status) },
		"template": func(a, b *row) int { return strings.Compare(a.Template, b.Template) },
		"modules": func(a, b *row) int {
			return strings.Compare(strings.Join(a.Modules, ","), strings.Join(b.Modules, ","))
		},
		"wave":    func(a, b *row) int { return a.Wave - b.Wave },
		"labels":  func(a, b *row) int { return strings.Compare(strings.Join(a.Labels, ","), strings.Join(b.Labels, ",")) },
		"applied": func(a, b *row) int { return a.AppliedAt.Compare(b.AppliedAt) },
		"drift":   func(a, b *row) int { return severityRank[a.Drift] - severityRank[b.Drift] },
	}[key]
	slices.SortStableFunc(rows, func(a, b *row) int {
		c := 0
		if by != nil {
			c = by(a, b)
		}
		if c == 0 {
			c = less(a, b)
		}
		if desc {
			return -c
		}
		return c
	})
}
