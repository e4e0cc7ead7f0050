package notify

import (
	"context"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/spec"
)

// smtpServer speaks enough SMTP (RFC 5321: EHLO, MAIL, RCPT, DATA, QUIT)
// to take one mail from net/smtp, and hands over the envelope and data.
func smtpServer(t *testing.T) (addr string, mails chan []string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	mails = make(chan []string, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				tp := textproto.NewConn(c)
				var got []string
				tp.PrintfLine("220 test ESMTP")
				for {
					l, err := tp.ReadLine()
					if err != nil {
						return
					}
					verb := strings.ToUpper(strings.Fields(l + " x")[0])
					switch verb {
					case "EHLO", "HELO":
						tp.PrintfLine("250 test")
					case "MAIL", "RCPT":
						got = append(got, l)
						tp.PrintfLine("250 ok")
					case "DATA":
						tp.PrintfLine("354 go on")
						b, err := readDot(tp)
						if err != nil {
							return
						}
						got = append(got, b)
						tp.PrintfLine("250 queued")
						mails <- got
					case "QUIT":
						tp.PrintfLine("221 bye")
						return
					default:
						tp.PrintfLine("250 ok")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), mails
}

func readDot(tp *textproto.Conn) (string, error) {
	lines, err := tp.ReadDotLines()
	return strings.Join(lines, "\n"), err
}

// An email receiver gets one mail per batch: the summary as its subject,
// each event in its body, sent to every address of smtp.to.
func TestEmail(t *testing.T) {
	addr, mails := smtpServer(t)
	n := New(Options{Window: window, LookupEnv: env(map[string]string{"SMTP_ADDR": addr})})
	require.NoError(t, n.Configure([]spec.Receiver{{Name: "mail", Type: spec.ReceiverEmail, Events: []string{"config_invalid"},
		SMTP: spec.SMTP{Address: "${SMTP_ADDR}", From: "strata@example.org", To: []string{"dba@example.org", "ops@example.org"}}}}))
	defer n.Close(context.Background())
	n.Report(Event{Kind: ConfigInvalid, Commit: "abcdef0123456789", Detail: "strata.yaml:4:3: servers.main.dsn: not a valid DSN"})
	select {
	case got := <-mails:
		require.Len(t, got, 4)
		assert.Equal(t, "MAIL FROM:<strata@example.org>", got[0])
		assert.Equal(t, "RCPT TO:<dba@example.org>", got[1])
		assert.Equal(t, "RCPT TO:<ops@example.org>", got[2])
		assert.Contains(t, got[3], "Subject: strata: config repo commit abcdef012345 is invalid; strata keeps converging to the last valid commit\n")
		assert.Contains(t, got[3], "  - commit abcdef012345: strata.yaml:4:3: servers.main.dsn: not a valid DSN")
	case <-time.After(10 * time.Second):
		t.Fatal("no mail")
	}
}
