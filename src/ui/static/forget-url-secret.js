// One-time links (the first set-up, an invitation, a password reset) carry their token in the address;
// the page keeps it in its form. Take it out of the address bar and of this history entry, so that it
// is not left in the browser's history or copied from the bar with the page's address.
const url = new URL(window.location.href)
if (url.searchParams.has('token')) {
  url.searchParams.delete('token')
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
}
