// SSO set-up pages and a new API token: copy buttons, and reading a chosen metadata file into the
// textarea (the form posts text, and "upload" as how it came, for "Configured from"). Without
// JavaScript, values stay selectable and metadata can be pasted.
document.querySelectorAll('button[data-copy-target]').forEach((button) => {
  button.addEventListener('click', async () => {
    const target = document.getElementById(button.getAttribute('data-copy-target'))
    if (target === null || navigator.clipboard === undefined) return
    await navigator.clipboard.writeText(target.textContent)
    const label = button.textContent
    button.textContent = 'Copied'
    setTimeout(() => {
      button.textContent = label
    }, 1500)
  })
})
document.querySelectorAll('input[type="file"][data-load-into]').forEach((input) => {
  input.addEventListener('change', async () => {
    const target = document.getElementById(input.getAttribute('data-load-into'))
    const file = input.files && input.files[0]
    if (target === null || file === undefined) return
    target.value = await file.text()
    const from = document.getElementById(input.getAttribute('data-loaded-from'))
    if (from === null) return
    from.value = 'upload'
    // Typing into the text area afterwards makes it pasted XML again.
    target.addEventListener(
      'input',
      () => {
        from.value = 'paste'
      },
      { once: true },
    )
  })
})
