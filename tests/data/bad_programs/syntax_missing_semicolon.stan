data {
  int N
}

// expect: 3:1: expected ';' after the declaration, found '}'
