# One window, the last day: every page of the three datasets.
before=$(($(date -u +%s) + 60))
after=$((before - 86460))
ep_page /cards/transactions "after=$after&before=$before"
ep_page /cards/fees "after=$after&before=$before"
ep_expect 2xx GET "/wallets/transactions?after=$after&before=$before"
ep_done "card transactions, card fees and wallet movements fetched completely over one window ($after to $before)"
