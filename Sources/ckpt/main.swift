import CCkptStartup  // its load-time constructor routes signals before this line runs
import CkptCLI

Ckpt.main()
