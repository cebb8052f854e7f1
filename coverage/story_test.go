package coverage

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// story returns n records of a synthetic integration, the same for the same
// seed: cardholders onboarded (most approved, some declined and
// re-submitted, a few in error or admin-declined), polled with backoff,
// cards issued and read, balances polled through crypto deposits, spends,
// 3DS OTPs, daily reconciliations, and errors (429, 5xx, 400, 404) mostly
// retried well. Entity ids cycle through pool values, so the number of
// entities stays fixed however long the story runs.
func story(n, pool int, seed uint64) []*evidence.Record {
	g := &storyGen{tr: newTrace(), rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), pool: pool}
	g.tr.recs = make([]*evidence.Record, 0, n+64)
	for i := 0; len(g.tr.recs) < n; i++ {
		g.episode(i)
	}
	return g.tr.recs[:n]
}

type storyGen struct {
	tr   *trace
	rnd  *rand.Rand
	pool int
}

func (g *storyGen) gap(d time.Duration) {
	g.tr.then(d + time.Duration(g.rnd.IntN(500))*time.Millisecond)
}

func (g *storyGen) episode(i int) {
	tr := g.tr
	h, c := 10001+i%g.pool, 8001+i%g.pool
	g.gap(time.Second)
	tr.call("POST", "/cardholders", 200, fullCardholder, `{"status":"success","cardholderId":`+itoa(h)+`}`)
	g.maybeErrors(h)
	g.gap(time.Second)
	tr.submit(h, 200)
	g.gap(time.Second)
	tr.pollHolder(h, 3, backoff(2*time.Second, time.Minute, 1+g.rnd.IntN(4)))
	switch r := g.rnd.IntN(100); {
	case r < 80:
		g.gap(time.Second)
		tr.validate(h, "pass")
	case r < 90:
		tr.validate(h, "fail")
		tr.holder(h, 2)
		tr.refresh(h, 200)
		tr.validate(h, "pass")
	case r < 95:
		tr.holder(h, 6)
		tr.submit(h, 200)
		tr.validate(h, "pass")
	default:
		tr.holder(h, 7)
		return
	}
	g.gap(2 * time.Second)
	tr.holder(h, 1)
	g.card(h, c)
	if i%20 == 19 {
		g.reconcile(i)
	}
}

func (g *storyGen) card(h, c int) {
	tr := g.tr
	tr.issueVirtual(h, c, 200)
	tr.card(c, 1)
	tr.balance(c, 0, 0)
	tr.deposit(c, `,"rail":"crypto"`)
	for range 1 + g.rnd.IntN(3) {
		g.gap(2 * time.Second)
		tr.balance(c, 0, 0)
	}
	g.gap(4 * time.Second)
	tr.balance(c, 10000, 0)
	g.gap(8 * time.Second)
	tr.balance(c, 10000, 10000)
	tr.spend(c, 1)
	tr.transactions("?cardId="+itoa(c), `{"cardId":`+itoa(c)+`,"transId":"5000001","authRefNum":"123456789012","status":1,"amount":"12.34","description":"Cafe"}`, 1)
	tr.balance(c, 10000, 8766)
	if g.rnd.IntN(10) == 0 {
		tok := "tok" + strconv.Itoa(c)
		tr.listener(c, tok)
		tr.otp(tok, "pending")
		tr.otp(tok, "received")
	}
}

// maybeErrors adds the occasional failure, mostly handled well.
func (g *storyGen) maybeErrors(h int) {
	tr := g.tr
	switch r := g.rnd.IntN(100); {
	case r < 8:
		tr.call("GET", "/cards?cardholderId="+itoa(h), 429, "", `{"status":"error","message":"rate limited"}`, withHeader("Retry-After", "1"))
		g.gap(2 * time.Second)
		tr.call("GET", "/cards?cardholderId="+itoa(h), 200, "", `{"status":"success","items":[],"total":0,"limit":50,"offset":0}`)
	case r < 12:
		tr.call("GET", "/cardholders/"+itoa(h), 503, "", `{"status":"error","message":"unavailable"}`)
		g.gap(500 * time.Millisecond)
		tr.holder(h, 4)
	case r < 15:
		tr.call("POST", "/cardholders", 400, `{"firstName":`, `{"status":"error","message":"malformed JSON"}`)
	case r < 17:
		tr.call("GET", "/cards/999999", 404, "", `{"status":"error","message":"card 999999 not found"}`)
	}
}

// reconcile pages the day's datasets.
func (g *storyGen) reconcile(i int) {
	day := 1772323200 + 86400*(i/20)
	w := "after=" + itoa(day) + "&before=" + itoa(day+86400)
	items := strings.Repeat(`{"cardId":8001,"transId":"5000001","authRefNum":"123456789012","status":2,"amount":"12.34"},`, 20)
	body := func(offset, n, total int) string {
		return `{"status":"success","items":[` + strings.TrimSuffix(items[:len(items)/20*n], ",") + `],"total":` + itoa(total) + `,"limit":20,"offset":` + itoa(offset) + `}`
	}
	g.tr.get("/cards/transactions?"+w+"&limit=20&offset=0", body(0, 20, 35))
	g.tr.get("/cards/transactions?"+w+"&limit=20&offset=20", body(20, 15, 35))
	g.tr.get("/cards/fees?"+w+"&limit=20&offset=0", body(0, 5, 5))
	g.tr.get("/wallets/transactions?"+w, body(0, 0, 0))
}
