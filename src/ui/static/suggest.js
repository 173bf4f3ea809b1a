// Suggests a slug from a name as it is typed (input[data-suggest-from] names the source field's id),
// until the slug is edited by hand. Without JavaScript the slug is simply typed.
const slugOf = (text) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '')
document.querySelectorAll('input[data-suggest-from]').forEach((input) => {
  const source = document.getElementById(input.getAttribute('data-suggest-from'))
  if (source === null) return
  let suggested = input.value === '' || input.value === slugOf(source.value)
  input.addEventListener('input', () => {
    suggested = input.value === ''
  })
  source.addEventListener('input', () => {
    if (suggested) input.value = slugOf(source.value)
  })
})
