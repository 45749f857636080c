model {
  return;
}

// expect: 2:3: 'return' is only allowed inside a function body
