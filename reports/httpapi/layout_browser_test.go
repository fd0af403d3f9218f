package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/revshare/revshare/reports/httpapi"
)

// newBrowser starts headless Chromium for a test; the context is bounded
// by limit.
func newBrowser(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(cancelCtx)
	ctx, cancel := context.WithTimeout(ctx, limit)
	t.Cleanup(cancel)
	return ctx
}

// pageFacts is what the layout test reads from a rendered page.
type pageFacts struct {
	ScrollWidth int64    `json:"sw"`
	InnerWidth  int64    `json:"iw"`
	NavLinks    int      `json:"nav"`
	Current     string   `json:"current"` // the section marked current
	Crumbs      int      `json:"crumbs"`
	H1          string   `json:"h1"`
	Links       []string `json:"links"`
}

const pageFactsJS = `(() => ({
  sw: document.documentElement.scrollWidth,
  iw: window.innerWidth,
  nav: document.querySelectorAll('nav.main a').length,
  current: (document.querySelector('nav.main a[aria-current]') || {textContent: ''}).textContent,
  crumbs: document.querySelectorAll('nav.crumbs li').length,
  h1: (document.querySelector('h1') || {textContent: ''}).textContent,
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
}))()`

// printFacts is what the print check reads: the tables wider than the
// paper, and whether the navigation is hidden.
type printFacts struct {
	ScrollWidth int64    `json:"sw"`
	InnerWidth  int64    `json:"iw"`
	Over        []string `json:"over"`
	NavShown    bool     `json:"nav"`
	Columns     []int    `json:"columns"` // visible cells of each table's first row
	Cells       []int    `json:"cells"`   // all cells of each table's first row
}

const printFactsJS = `(() => {
  const over = [], columns = [], cells = [];
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    if (t.scrollWidth > t.clientWidth + 1 || r.right > window.innerWidth + 1) over.push(t.id || t.className || 'table');
    const row = t.rows[0];
    if (!row) continue;
    const cs = [...row.cells];
    cells.push(cs.length);
    columns.push(cs.filter(c => { const b = c.getBoundingClientRect(); return b.width > 0 && b.right <= window.innerWidth + 1; }).length);
  }
  const nav = document.querySelector('header.site');
  return {sw: document.documentElement.scrollWidth, iw: window.innerWidth, over, columns, cells,
    nav: !!nav && getComputedStyle(nav).display !== 'none'};
})()`

// TestWebLayoutInBrowser loads each kind of page of the web view in
// headless Chromium at 1400 px and at 390 px and checks layout facts: the
// navigation and the you-are-here trail are there, the page never scrolls
// sideways, every link on it answers 200 to the logged-in browser, a
// statement line's events total its base, and in print every column of
// every table is on the paper.
func TestWebLayoutInBrowser(t *testing.T) {
	ctx := newBrowser(t, 60*time.Second)
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	host := strings.TrimPrefix(ts.URL, "http://")
	host = host[:strings.IndexByte(host, ':')]
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "revshare_token", Value: e.tokens[httpapi.Auditor], Domain: host, Path: "/"}); err != nil {
		t.Fatal(err)
	}

	const line = "/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft"
	pages := []struct{ path, section string }{
		{"/", "Dashboard"},
		{"/web/contracts", "Contracts"},
		{"/web/contracts/openai-microsoft", "Contracts"},
		{"/web/contracts/openai-microsoft/statements/2026-03", "Contracts"},
		{"/web/contracts/openai-microsoft/statements/2026-02", "Contracts"},
		{line, "Contracts"},
		{"/web/trial-balance", "Trial balance"},
		{"/web/entries", "Entries"},
		{"/web/entries/1", "Entries"},
		{"/web/entries/3", "Entries"},
		{"/web/events", "Events"},
		{"/web/events/2", "Events"},
		{"/web/imports", "Imports"},
		{"/web/imports/1", "Imports"},
	}
	links := map[string]string{} // link -> a page that has it
	for _, width := range []int64{1400, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		for _, pg := range pages {
			if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+pg.path)); err != nil {
				t.Fatalf("%d px %s: %v", width, pg.path, err)
			}
			f, err := chromedp.Run(ctx, chromedp.Evaluate[pageFacts](pageFactsJS))
			if err != nil {
				t.Fatalf("%d px %s: %v", width, pg.path, err)
			}
			if f.InnerWidth != width || f.ScrollWidth > f.InnerWidth {
				t.Errorf("%d px %s: the page is %d px wide in a %d px window (it scrolls sideways)", width, pg.path, f.ScrollWidth, f.InnerWidth)
			}
			if f.NavLinks != 6 || f.Current != pg.section {
				t.Errorf("%d px %s: %d section links, current %q; want 6, %q", width, pg.path, f.NavLinks, f.Current, pg.section)
			}
			if wantCrumbs := pg.path != "/"; (f.Crumbs >= 2) != wantCrumbs || strings.TrimSpace(f.H1) == "" {
				t.Errorf("%d px %s: %d crumbs, title %q", width, pg.path, f.Crumbs, f.H1)
			}
			for _, l := range f.Links {
				if strings.HasPrefix(l, "#") {
					continue
				}
				if _, seen := links[l]; !seen {
					links[l] = pg.path
				}
			}
		}
	}

	// Every link answers 200 to the logged-in browser's cookie.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var hrefs []string
	for l := range links {
		hrefs = append(hrefs, l)
	}
	sort.Strings(hrefs)
	for _, l := range hrefs {
		u, err := url.Parse(l)
		if err != nil || u.Host != "" {
			t.Errorf("link %q on %s: not a path on this site", l, links[l])
			continue
		}
		u.Fragment = ""
		req, _ := http.NewRequest("GET", ts.URL+u.String(), nil)
		req.AddCookie(&http.Cookie{Name: "revshare_token", Value: e.tokens[httpapi.Auditor]})
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("link %s on %s: %d", l, links[l], res.StatusCode)
		}
	}
	if len(hrefs) < 30 {
		t.Errorf("only %d distinct links on %d pages: the walk looks broken", len(hrefs), len(pages))
	}

	// The line's events total its base, as the statement shows it.
	text := func(path, js string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+path)); err != nil {
			t.Fatal(err)
		}
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %s: %v", path, js, err)
		}
		return strings.TrimSpace(s)
	}
	stBase := text("/web/contracts/openai-microsoft/statements/2026-03",
		`[...document.querySelectorAll('#statement th')].find(th => th.textContent.startsWith('base (')).nextElementSibling.textContent`)
	lineBase := text(line, `document.querySelector('#line-base').textContent`)
	total := text(line, `document.querySelector('#events-total-USD').textContent`)
	ties := text(line, `document.querySelector('#ties').textContent`)
	if stBase != "1,000.50" || lineBase != stBase || total != stBase || ties != "✓ the events total the line's base" {
		t.Errorf("statement base %q, events page base %q, events total %q, %q; want all 1,000.50 and a tie", stBase, lineBase, total, ties)
	}

	// Print on paper 600 px wide: no navigation, every column of every table
	// on the page.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(600, 900)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/web/trial-balance", "/web/contracts/openai-microsoft/statements/2026-03", "/web/entries", line, "/"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+path)); err != nil {
			t.Fatal(err)
		}
		f, err := chromedp.Run(ctx, chromedp.Evaluate[printFacts](printFactsJS))
		if err != nil {
			t.Fatal(err)
		}
		if f.NavShown || len(f.Over) > 0 || f.ScrollWidth > f.InnerWidth || len(f.Cells) == 0 {
			t.Errorf("print %s: navigation shown %v, tables wider than the paper %v, page %d of %d px, %d tables", path, f.NavShown, f.Over, f.ScrollWidth, f.InnerWidth, len(f.Cells))
		}
		for i := range f.Cells {
			if f.Columns[i] != f.Cells[i] {
				t.Errorf("print %s: table %d shows %d of its %d columns", path, i, f.Columns[i], f.Cells[i])
			}
		}
	}
}
