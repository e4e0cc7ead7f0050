package source

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
)

// fileTransportOnce guards the one-time switch of go-git's file:// transport.
var fileTransportOnce sync.Once

// installFileTransport makes go-git serve local paths and file:// URLs
// in-process. Its default file transport runs the git-upload-pack binary,
// which a strata container does not have. The protocol table is go-git's
// process-wide state, so the switch happens once, from NewRemote.
func installFileTransport() {
	fileTransportOnce.Do(func() {
		client.InstallProtocol("file", server.NewClient(server.DefaultLoader))
	})
}
