package httpapi_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/revshare/revshare/reports/httpapi"
)

// chromiumPath finds Debian's chromium; outside CI its absence skips the
// browser test, under CI it fails it (.ci/run installs chromium).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but chromium is not installed (.ci/run installs it)")
	}
	t.Skip("chromium is not installed: skipping the web view's browser test (apt-get install chromium)")
	return ""
}

// TestWebViewInBrowser drives headless Chromium through the web view: the
// login form, the trial balance's numbers, a statement's drill-down to its
// entry, and an account's entries down to a usage event.
func TestWebViewInBrowser(t *testing.T) {
	ctx := newBrowser(t, 90*time.Second) // skips without chromium
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()

	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.Join(strings.Fields(s), " ")
	}
	location := func() string {
		t.Helper()
		u, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(u, ts.URL)
	}
	// follow clicks a link and waits for the page it leads to.
	follow := func(sel string) {
		t.Helper()
		from := location()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
			t.Fatalf("follow %s from %s: %v", sel, from, err)
		}
	}

	// An unauthenticated page sends the browser to the login form, which
	// comes back to it.
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/web/trial-balance?as_of=2026-03-31"),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		chromedp.SendKeys(chromedp.CSS(`#token`), e.tokens[httpapi.Auditor]),
		chromedp.Submit(chromedp.CSS(`#token`)),
		chromedp.WaitVisible(chromedp.CSS(`#trial-balance`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := location(); got != "/web/trial-balance?as_of=2026-03-31" {
		t.Errorf("after login at %q, want the trial balance page", got)
	}
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	cookies := res.Cookies
	if len(cookies) != 1 || cookies[0].Name != "revshare_token" || !cookies[0].HTTPOnly || cookies[0].SameSite != network.CookieSameSiteStrict {
		t.Errorf("cookies = %+v, want one HttpOnly SameSite=Strict revshare_token", cookies)
	}

	// The rendered numbers of the trial balance.
	for sel, want := range map[string]string{
		`#trial-balance tbody tr:nth-child(1)`: "assets:receivable:microsoft:azure asset USD 250.00 0.00",
		`#trial-balance tbody tr:nth-child(2)`: "assets:receivable:openai:direct asset USD 1,000.50 0.00",
		`#trial-balance tbody tr:nth-child(3)`: "expenses:revshare:openai:microsoft:openai-microsoft expense USD 200.10 0.00",
		`#trial-balance tbody tr:nth-child(4)`: "income:revenue:microsoft:azure income USD 0.00 250.00",
		`#trial-balance tbody tr:nth-child(5)`: "income:revenue:openai:direct income USD 0.00 1,000.50",
		`#trial-balance tbody tr:nth-child(6)`: "liabilities:revshare:openai:microsoft:openai-microsoft liability USD 0.00 200.10",
		`#trial-balance tfoot`:                 "total USD 1,450.60 1,450.60",
	} {
		if got := text(sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}

	// Statement line -> its entry.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/web/contracts/openai-microsoft")); err != nil {
		t.Fatal(err)
	}
	follow(`#statements a`)
	follow(`a[href="/web/entries/3"]`)
	if got, want := text(`#postings tbody`), "expenses:revshare:openai:microsoft:openai-microsoft USD 200.10 liabilities:revshare:openai:microsoft:openai-microsoft USD -200.10"; got != want {
		t.Errorf("entry 3 postings = %q, want %q", got, want)
	}

	// Trial balance account -> its entries -> the entry -> a usage event.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/web/trial-balance")); err != nil {
		t.Fatal(err)
	}
	follow(`#trial-balance tbody tr:nth-child(2) a`) // assets:receivable:openai:direct
	if got, want := location(), "/web/entries?account=assets%3areceivable%3aopenai%3adirect"; got != want {
		t.Errorf("account link led to %q, want %q", got, want)
	}
	follow(`a[href="/web/entries/1"]`)
	follow(`a[href="/web/events/2"]`)
	if got := location(); got != "/web/events/2" {
		t.Errorf("drill-down ended at %q, want /web/events/2", got)
	}
	if got, want := text(`#amount`), "400.25 USD"; got != want {
		t.Errorf("event amount = %q, want %q", got, want)
	}
	if got := text(`#event`); !strings.Contains(got, "invoice A-17") || !strings.Contains(got, "source / event id default / ev-2") {
		t.Errorf("event page = %q, want its source, id and metadata", got)
	}
}
