package source

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
)

// gitHTTPServer serves the repository at repoDir over Git's smart HTTP
// protocol (upload-pack only), with go-git's server, behind basic auth.
// It counts the upload-pack requests, i.e. fetches that transfer objects.
type gitHTTPServer struct {
	*httptest.Server
	user, password string
	uploads        atomic.Int32
}

func newGitHTTPServer(t *testing.T, repoDir, user, password string) *gitHTTPServer {
	t.Helper()
	ep, err := transport.NewEndpoint(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	s := &gitHTTPServer{user: user, password: password}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.password {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		sess, err := server.DefaultServer.NewUploadPackSession(ep, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/info/refs"):
			ar, err := sess.AdvertisedReferencesContext(r.Context())
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			ar.Prefix = [][]byte{[]byte("# service=git-upload-pack"), pktline.Flush}
			w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
			_ = ar.Encode(w)
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack"):
			s.uploads.Add(1)
			req, err := decodeUploadPack(r)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			resp, err := sess.UploadPack(r.Context(), req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
			_ = resp.Encode(w)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// decodeUploadPack reads wants, then "have" lines up to "done".
func decodeUploadPack(r *http.Request) (*packp.UploadPackRequest, error) {
	req := packp.NewUploadPackRequest()
	if err := req.UploadRequest.Decode(r.Body); err != nil {
		return nil, err
	}
	sc := pktline.NewScanner(r.Body)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		switch {
		case len(line) == 0:
		case bytes.Equal(line, []byte("done")):
			return req, nil
		case bytes.HasPrefix(line, []byte("have ")):
			req.Haves = append(req.Haves, plumbing.NewHash(string(line[5:])))
		default:
			return nil, fmt.Errorf("unexpected line %q", line)
		}
	}
	return req, sc.Err()
}
