package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/stratadb/strata/spec"
)

// slackEscape escapes what Slack's message format reserves (an error text
// may hold "<" or "&").
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// errPermanent marks a delivery that retrying cannot fix (the receiver
// answered 4xx: a wrong URL or token).
var errPermanent = errors.New("not retried")

// deliver sends m to t once. Its errors never hold t's URL or credentials.
func (n *Notifier) deliver(ctx context.Context, t *target, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, n.opts.Timeout)
	defer cancel()
	var err error
	switch t.Type {
	case spec.ReceiverSlack:
		err = n.post(ctx, t, map[string]string{"text": slackEscape.Replace(m.Text)})
	case spec.ReceiverEmail:
		err = sendMail(ctx, t, m)
	default:
		err = n.post(ctx, t, m)
	}
	if err != nil {
		return fmt.Errorf("notify: receiver %s: %w", t.Name, scrub(err, t))
	}
	return nil
}

// post sends body as JSON to the receiver's URL.
func (n *Notifier) post(ctx context.Context, t *target, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(b))
	if err != nil {
		return errors.New("the url is not a valid URL") // the parser's message quotes it
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "strata")
	for k, v := range t.Headers {
		req.Header.Set(k, v)
	}
	resp, err := n.opts.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error quotes the URL
		}
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		return fmt.Errorf("post: the receiver answered %s (%w)", resp.Status, errPermanent)
	}
	return fmt.Errorf("post: the receiver answered %s", resp.Status)
}

// sendMail sends m as a plain-text mail, with STARTTLS when the server
// offers it and PLAIN auth when a username is set.
func sendMail(ctx context.Context, t *target, m Message) error {
	host, _, err := net.SplitHostPort(t.SMTP.Address)
	if err != nil {
		return errors.New("smtp.address is not host:port")
	}
	var auth smtp.Auth
	if t.SMTP.Username != "" {
		auth = smtp.PlainAuth("", t.SMTP.Username, t.SMTP.Password, host)
	}
	subject := m.Summary
	if len(subject) > 150 {
		subject = subject[:150] + "..."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		t.SMTP.From, strings.Join(t.SMTP.To, ", "), strings.NewReplacer("\r", " ", "\n", " ").Replace(subject), time.Now().UTC().Format(time.RFC1123Z))
	b.WriteString(strings.ReplaceAll(m.Text, "\n", "\r\n"))
	// net/smtp takes no context: run it aside and give up at ctx's end.
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(t.SMTP.Address, auth, t.SMTP.From, t.SMTP.To, []byte(b.String())) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("smtp: %w", ctx.Err())
	}
}

// scrub removes t's secrets from err's text, in case a library quoted one.
func scrub(err error, t *target) error {
	msg := err.Error()
	clean := msg
	for _, s := range t.secrets() {
		clean = strings.ReplaceAll(clean, s, "<secret>")
	}
	if clean == msg {
		return err
	}
	if errors.Is(err, errPermanent) {
		return fmt.Errorf("%s (%w)", clean, errPermanent)
	}
	return errors.New(clean)
}
