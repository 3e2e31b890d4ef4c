from ssaser.cli.main import console

console()
