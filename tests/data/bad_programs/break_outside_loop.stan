model {
  break;
}

// expect: 2:3: 'break' is only allowed inside a loop
