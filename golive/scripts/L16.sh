# One window, the last day: every page of both card datasets.
before=$(($(date -u +%s) + 60))
after=$((before - 86460))
ep_page /cards/transactions "after=$after&before=$before"
ep_page /cards/fees "after=$after&before=$before"
ep_done "card transactions and card fees fetched page by page to their totals over one window ($after to $before)"
